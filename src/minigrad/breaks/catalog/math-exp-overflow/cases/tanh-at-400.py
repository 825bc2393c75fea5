from minigrad.scalar import Value

x = Value(400.0)  # a saturated unit: PyTorch gives tanh = 1, gradient 0
print("x =", x)
y = x.tanh()
y.backward()
observed = {"tanh(x)": y.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
