from minigrad.scalar import Value

x = Value(1.1)
print("x =", x)
y = x
for _ in range(5):
    y = y * y  # y = x ** 32: every level reads the one below twice
y.backward()  # dy/dx = 32 x ** 31
observed = {"y": y.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
