from django import template

from config.money import format_money

register = template.Library()


@register.filter
def money(minor: int | None) -> str:
    """Minor units (cents) as the shop shows them: "10.44 USD"."""
    return "" if minor is None else format_money(minor)
