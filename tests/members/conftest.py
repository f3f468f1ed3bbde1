import pytest

from tests.factories import TermFactory


@pytest.fixture
def vocab(db):
    """A small shared vocabulary, with French and Dutch names and synonyms."""
    return {
        "translation": TermFactory(
            slug="translation",
            name_en="translation",
            name_fr="traduction",
            name_nl="vertaling",
            synonyms="translator,traducteur",
        ),
        "web-design": TermFactory(
            slug="web-design", name_en="web design", name_fr="conception web", name_nl="webdesign"
        ),
        "crowdfunding": TermFactory(
            slug="crowdfunding",
            name_en="crowdfunding",
            name_fr="financement participatif",
            name_nl="crowdfunding",
        ),
        "coaching": TermFactory(slug="coaching", name_en="coaching"),
        "seo": TermFactory(slug="seo", name_en="SEO", name_fr="référencement"),
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Directory results are cached: no test may see another test's lists."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
