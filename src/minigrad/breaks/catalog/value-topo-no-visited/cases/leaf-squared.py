from minigrad.scalar import Value

a = Value(0.8)
print("a =", a)
(a * a).backward()
observed = {"a.grad": a.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
