from minigrad.scalar import Value

a, b, c = Value(2.0), Value(-3.0), Value(0.5)
print("a =", a)
print("b =", b)
print("c =", c)
(a * b + c).backward()
observed = {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
