"""`explainer check`: the copy desk's pre-publish rules over the site as build renders it."""
