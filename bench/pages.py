"""What the bench requests: the public pages of a built database, and the floor between them."""


def pages(info):
    """(name, path, kind) of each page measured, from the build's sidecar ``info``. Kind is the
    target that applies: "article", "list" (every other page, feed included) or "floor"."""
    return [
        ("front", "/", "list"),
        ("list", "/articles/", "list"),
        # Half-way through the archive: past the numbered pages, "older stories" pages follow
        # a keyset cursor (articles/pagination.py).
        ("deep (half-way)", f"/articles/?before={info['deep_cursor']}", "list"),
        ("filtered (tag)", f"/articles/?tag={info['filter_tag_slug']}", "list"),
        ("search", f"/articles/?q={info['search_word']}", "list"),
        ("article", f"/articles/{info['article_slug']}/", "article"),
        ("tag page", f"/tags/{info['tag_slug']}/", "list"),
        ("person page", f"/people/{info['person_slug']}/", "list"),
        ("RSS feed", "/feeds/latest/", "list"),
    ]


FLOOR = ("FLOOR", "/__floor__/", "floor")


def schedule(page_list):
    """The floor before the first page, after every third and after the last."""
    order = [FLOOR]
    for i, page in enumerate(page_list, 1):
        order.append(page)
        if i % 3 == 0:
            order.append(FLOOR)
    if order[-1] is not FLOOR:
        order.append(FLOOR)
    return order
