"""One-call functions (harness layer): ``compile_unitary``, ``reduce_weight`` and the policy-driven
compile. They may wire solvers, environments and agents together; nothing below imports them."""
