from minigrad.scalar import Value

x = Value(1.5)
print("x =", x)
(1 / x).backward()  # d(1/x)/dx = -1/x**2
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
