"""The editorial states an article moves through, and the one table of moves between them.

``Article.Status`` is ``Status``. ``TRANSITIONS`` is the only place that knows which moves exist:
who may make each (a permission), from which states, to which, and its label. The model's
transition methods (``Article.publish`` and the rest) check it, the admin's actions and
confirmation page take their labels from it, and the change form offers the moves that
``available()`` gives for the article's state.
"""

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Un-published"
    WITHDRAWN = "withdrawn", "Withdrawn"


@dataclass(frozen=True)
class Transition:
    name: str  # the model's method
    step: str  # the move in the admin: the change form's workflow value, the confirmation's URL
    label: str  # what a button or action says
    done: str  # what the desk is told afterwards ("Un-published")
    to: Status
    sources: frozenset
    permission: str
    reason_required: bool = False
    # Take-downs and their undoing are confirmed on a page of their own, with a reason.
    confirmed: bool = False


TRANSITIONS = {
    move.name: move
    for move in [
        Transition(
            "submit_for_review", "review", "Send for review", "Sent for review", Status.IN_REVIEW,
            frozenset({Status.DRAFT}), "articles.change_article",
        ),
        Transition(
            "return_to_draft", "draft", "Return to draft", "Returned to draft", Status.DRAFT,
            frozenset({Status.IN_REVIEW}), "articles.change_article",
        ),
        Transition(
            "publish", "publish", "Publish", "Published", Status.PUBLISHED,
            frozenset({Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED}),
            "articles.publish_article",
        ),
        Transition(
            "unpublish", "unpublish", "Un-publish", "Un-published", Status.UNPUBLISHED,
            frozenset({Status.PUBLISHED}), "articles.takedown_article",
            reason_required=True, confirmed=True,
        ),
        Transition(
            "withdraw", "withdraw", "Withdraw", "Withdrawn", Status.WITHDRAWN,
            frozenset({Status.PUBLISHED, Status.UNPUBLISHED}), "articles.takedown_article",
            reason_required=True, confirmed=True,
        ),
        Transition(
            "republish", "republish", "Re-publish", "Re-published", Status.PUBLISHED,
            frozenset({Status.UNPUBLISHED, Status.WITHDRAWN}), "articles.takedown_article",
            confirmed=True,
        ),
    ]
}  # fmt: skip

# By step: the moves the admin confirms on a page of their own, and the change form's.
CONFIRMED = {move.step: move for move in TRANSITIONS.values() if move.confirmed}
STEPS = {move.step: move for move in TRANSITIONS.values() if not move.confirmed}


def available(status, user=None, *, confirmed=None):
    """The moves out of ``status`` (that ``user`` may make, when given), in the table's order;
    ``confirmed`` keeps only those confirmed on a page of their own (or only the others)."""
    return [
        move
        for move in TRANSITIONS.values()
        if status in move.sources
        and (user is None or user.has_perm(move.permission))
        and (confirmed is None or move.confirmed == confirmed)
    ]
