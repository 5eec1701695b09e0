"""One-tap satisfaction (是否解决, 是否满意): the case's follow-up from the complainant and the residents."""
