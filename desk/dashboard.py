"""The desk at a glance: an admin page with what an editor needs to see first.

Counts by state, what is scheduled, the latest take-downs and a chart of articles published per
day over the last 30 days. The chart is an SVG drawn here on the server: no script, no CDN.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.views.generic import TemplateView

from articles.models import Article, Event

CHART_DAYS = 30
RECENT_TAKEDOWNS = 10
SCHEDULED_SHOWN = 20


@dataclass
class Bar:
    day: object
    count: int
    x: float
    y: float
    height: float
    label_x: float


@dataclass
class Chart:
    bars: list
    width: int
    height: int
    bar_width: float
    top: int
    baseline: float
    ticks: list
    total: int


def bar_chart(days, *, width=720, height=220, top_margin=16, bottom_margin=28, left_margin=32):
    """Geometry for a bar chart of ``(day, count)`` pairs, in SVG user units. The right margin
    leaves room for the last day's label."""
    highest = max([count for _, count in days] + [1])
    plot_height = height - top_margin - bottom_margin
    step = (width - left_margin - 24) / max(len(days), 1)
    bars = []
    for index, (day, count) in enumerate(days):
        bar_height = plot_height * count / highest
        x = left_margin + index * step + step * 0.15
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(x, 1),
                y=round(top_margin + plot_height - bar_height, 1),
                height=round(bar_height, 1),
                label_x=round(x + step * 0.35, 1),
            )
        )
    ticks = sorted({0, highest // 2, highest})
    return Chart(
        bars=bars,
        width=width,
        height=height,
        bar_width=round(step * 0.7, 1),
        top=top_margin,
        baseline=top_margin + plot_height,
        ticks=[
            (tick, round(top_margin + plot_height - plot_height * tick / highest, 1))
            for tick in ticks
        ],
        total=sum(count for _, count in days),
    )


class DashboardView(TemplateView):
    template_name = "admin/articles/article/dashboard.html"
    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        # Staff only (the admin site's own check wraps this view), and only those who may see
        # articles in the admin.
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        articles = Article.objects.all()
        per_day = articles.published_per_day(days=CHART_DAYS)
        return super().get_context_data(
            **self.model_admin.admin_site.each_context(self.request),
            title="The desk at a glance",
            opts=Article._meta,
            counts=articles.counts_by_state(),
            scheduled=articles.scheduled()[:SCHEDULED_SHOWN],
            scheduled_total=articles.scheduled().count(),
            takedowns=self.takedowns(),
            chart=bar_chart(per_day),
            chart_days=CHART_DAYS,
            **kwargs,
        )

    def takedowns(self):
        """The latest un-publishing and withdrawal events, newest first, from the editorial
        record: who took what down, when and why."""
        return Event.objects.filter(
            action__in=[Event.Action.UNPUBLISHED, Event.Action.WITHDRAWN], article__isnull=False
        ).select_related("article", "actor")[:RECENT_TAKEDOWNS]
