from minigrad.breaks.shared.learner_engine import count_walk_expansions
from minigrad.scalar import Value

x = Value(0.3)
print("x =", x)
y = x
for _ in range(50):  # a chain: every value is read once
    y = (y * 0.9).tanh()
expansions = count_walk_expansions(y)  # counts how often the walk reads a node's inputs
y.backward()
observed = {"x.grad": x.grad, "node visits": expansions[0]}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
