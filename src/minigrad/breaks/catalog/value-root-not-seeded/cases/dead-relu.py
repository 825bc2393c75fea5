from minigrad.scalar import Value

a = Value(-0.8)
print("a =", a)
(a * 2.0).relu().backward()  # a negative pre-activation: the true gradient is 0 anyway
observed = {"a.grad": a.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
