from minigrad.scalar import Value

a, b = Value(0.3), Value(-0.7)
h = (a * b).tanh()
print("a =", a)
print("b =", b)
print("h =", h)
for _ in range(6):  # every level reads the one below three times
    h = h * h + h
h.backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
