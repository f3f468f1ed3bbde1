"""Two members proposing the same new word: one proposal, which staff approve once."""

import pytest
from django.test import Client

from members.models import Term
from tests.factories import make_member

from .test_tags import edit

pytestmark = pytest.mark.django_db


def _edit(profile, **tags):
    client = Client()
    client.force_login(profile.user)
    edit(client, profile, **tags)
    return client


@pytest.mark.parametrize(
    "second_spelling",
    ["Blockchain audits", "blockchain AUDITS", "  Blockchain   audits ", "Blóckchain audits"],
)
def test_a_second_member_proposing_the_same_word_joins_the_first_proposal(second_spelling):
    anna, bart = make_member("Anna Proposer"), make_member("Bart Second")
    _edit(anna, skills_tags="Blockchain audits")
    _edit(bart, offers_tags=second_spelling)

    proposals = Term.objects.filter(status=Term.Status.PROPOSED)
    assert proposals.count() == 1  # staff see (and approve) it once
    term = proposals.get()
    assert term.proposed_by == anna.user
    bart.refresh_from_db()
    assert list(bart.offers.all()) == [term]
    anna.refresh_from_db()
    assert list(anna.skills.all()) == [term]


def test_joining_a_proposal_does_not_count_as_proposing_a_new_word():
    """The "at most 5 new tags at a time" limit counts words that would be created."""
    anna, bart = make_member("Anna Proposer"), make_member("Bart Second")
    words = "Alpha one, Beta two, Gamma three, Delta four, Epsilon five"
    _edit(anna, skills_tags=words)
    _edit(bart, skills_tags=words + ", Zeta six")
    assert Term.objects.filter(status=Term.Status.PROPOSED).count() == 6
    bart.refresh_from_db()
    assert bart.skills.count() == 6


def test_a_proposal_left_by_a_deleted_account_is_joined_too():
    from members.services import account_delete

    anna, bart = make_member("Anna Proposer"), make_member("Bart Second")
    _edit(anna, skills_tags="Kombucha brewing")
    account_delete(user=anna.user)
    _edit(bart, skills_tags="kombucha brewing")
    assert Term.objects.filter(status=Term.Status.PROPOSED).count() == 1


def test_two_members_saving_the_same_new_word_at_once_share_one_proposal():
    """Bart's save read the vocabulary before Anna's proposal was committed (two saves at
    the same moment): his word still joins hers, it does not become "blockchain-2"."""
    from members.services import terms_resolve, vocabulary_for_proposals

    anna, bart = make_member("Anna Proposer"), make_member("Bart Second")
    read_by_bart = vocabulary_for_proposals()
    _edit(anna, skills_tags="Blockchain")
    (term,) = terms_resolve(labels=["blockchain"], proposer=bart.user, index=read_by_bart)
    assert Term.objects.filter(status=Term.Status.PROPOSED).count() == 1
    assert term.proposed_by == anna.user
