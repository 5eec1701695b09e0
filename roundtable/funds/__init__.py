"""居民说了算: the community fund, residents' proposals, the budget vote and its hand-off to a resolution."""
