import math

from minigrad.scalar import Value

t = math.tanh(0.8 * -1.5)
right = (2 * t + math.exp(t)) * (1 - t * t) * -1.5  # by hand: dL/da = (2h + e**h) (1 - h**2) b
wrong = 0
print("t =", t)
print("right =", right)
print("wrong =", wrong)
for _ in range(50):  # fresh Values each time: new memory addresses, so a new set order
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    (h * h + h.exp()).backward()
    wrong += not math.isclose(a.grad, right, rel_tol=1e-12)
observed = {"wrong runs (of 50)": wrong}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
