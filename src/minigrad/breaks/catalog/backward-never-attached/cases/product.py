from minigrad.scalar import Value

a, b = Value(0.5), Value(-1.5)
print("a, b =", a, b)
(a * b).backward()  # d(ab)/da = b = -1.5
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
