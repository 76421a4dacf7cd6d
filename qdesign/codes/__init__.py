"""Core code algebra: GF(2) linear algebra, classical and CSS codes, hypergraph products, distances, I/O."""
