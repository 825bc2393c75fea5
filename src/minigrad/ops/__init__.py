"""The differentiable ops, grouped by family: elementwise, reductions, shape, matmul, nn."""
