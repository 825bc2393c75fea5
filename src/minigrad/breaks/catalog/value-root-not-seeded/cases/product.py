from minigrad.scalar import Value

a, b = Value(0.8), Value(-1.5)
print("a =", a)
print("b =", b)
(a * b).backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
