from minigrad.scalar import Value

x = Value(1.5)
print("x =", x)
((2 - x) * x).backward()  # d((2 - x) x)/dx = 2 - 2x = -1
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
