from minigrad.scalar import Value

x = Value(1000.0)  # PyTorch gives sigmoid = 1, gradient 0
print("x =", x)
s = ((x * 0.5).tanh() + 1) * 0.5  # sigmoid(x) = (1 + tanh(x / 2)) / 2
s.backward()
observed = {"sigmoid(x)": s.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
