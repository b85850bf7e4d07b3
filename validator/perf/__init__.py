"""Performance: the parallel scheduler and the result cache."""
