from minigrad.scalar import Value

x, y = Value(1.5), Value(0.25)
print("x, y =", x, y)
(x - y).backward()
observed = {"x.grad": x.grad, "y.grad": y.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
