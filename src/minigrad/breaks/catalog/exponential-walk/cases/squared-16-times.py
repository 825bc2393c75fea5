from minigrad.breaks.shared.learner_engine import count_walk_expansions
from minigrad.scalar import Value

x = Value(1.0)
print("x =", x)
y = x
for _ in range(16):
    y = y * y  # 17 nodes; 2 ** 17 - 1 = 131071 paths from y down to them
expansions = count_walk_expansions(y)  # counts how often the walk reads a node's inputs
y.backward()
observed = {"x.grad": x.grad, "node visits": expansions[0]}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
