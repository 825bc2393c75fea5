from minigrad.scalar import Value

a, b, c = Value(0.5), Value(-1.5), Value(2.0)
print("a, b, c =", a, b, c)
(a + b + c).backward()
observed = {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
