"""Rich text operators write (product descriptions now; push content and campaign rules
later), cleaned with nh3 to what a product page needs: formatting, images, tables, links.
No script, no event handlers, no frames, no `javascript:` URLs. Cleaned when saved and
again when shown, so a row written some other way (a shell, an import) is safe too.
"""

import nh3

TAGS = {
    "p", "br", "hr", "div", "span", "section", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
}
ATTRIBUTES = {
    "*": {"style", "title", "align"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "col": {"span"},
    "colgroup": {"span"},
}
# Layout and type only: no url(), so no background-image that calls out.
STYLE_PROPERTIES = {
    "color", "background-color", "font-size", "font-weight", "font-style", "text-align", "text-decoration",
    "line-height", "letter-spacing", "width", "max-width", "height", "margin", "margin-top", "margin-bottom",
    "padding", "border", "border-collapse", "vertical-align", "display",
}


def clean_rich_text(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        attributes=ATTRIBUTES,
        url_schemes={"http", "https"},
        filter_style_properties=STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
    )
