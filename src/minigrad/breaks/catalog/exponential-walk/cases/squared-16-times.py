from minigrad.scalar import Value


class CountingInputs(tuple):
    """A node's inputs that count how often the graph walk reads them: once per expansion of the node."""

    reads = 0

    def __iter__(self):
        CountingInputs.reads += 1
        return super().__iter__()


def count_walk_reads(root):
    """Give every node below root inputs that count their reads (the walk below has its own visited set)."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node._prev)
            node._prev = CountingInputs(node._prev)


x = Value(1.0)
print("x =", x)
y = x
for _ in range(16):
    y = y * y  # 17 nodes; 2 ** 17 - 1 = 131071 paths from y down to them
count_walk_reads(y)
y.backward()
observed = {"x.grad": x.grad, "node visits": CountingInputs.reads}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
