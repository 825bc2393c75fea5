from minigrad.scalar import Value

x, w = Value(0.8), Value(-1.5)
print("x =", x)
print("w =", w)
(x * w).backward()  # dx = w, dw = x
observed = {"x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
