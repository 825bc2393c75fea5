from minigrad.scalar import Value

a = Value(2.0)
print("a =", a)
(a * a).backward()  # d(a**2)/da = 2a = 4
observed = {"a.grad": a.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
