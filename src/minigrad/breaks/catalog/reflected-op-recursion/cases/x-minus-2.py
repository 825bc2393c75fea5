from minigrad.scalar import Value

x = Value(1.5)
print("x =", x)
((x - 2) * x).backward()  # d((x - 2) x)/dx = 2x - 2 = 1
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
