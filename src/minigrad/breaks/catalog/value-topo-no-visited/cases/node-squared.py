from minigrad.scalar import Value

a = Value(0.8)
h = a.tanh()
print("a =", a)
print("h =", h)
(h * h).backward()  # h is reached twice from the root
observed = {"a.grad": a.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
