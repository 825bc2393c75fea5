from minigrad.scalar import Value

a, b = Value(2.0), Value(3.0)
print("a =", a)
print("b =", b)
(a * b + a).backward()  # da = b + 1 = 4, db = a = 2
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
