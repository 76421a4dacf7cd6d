"""Weight-reduction solvers over the core (layer 2): the pure seed state and its moves, beam search,
anneals (Tanner graph at fixed n, sparse seeds), Sabo et al.'s classical reduction and Hastings'
quantum pipeline. Imports only core modules."""
