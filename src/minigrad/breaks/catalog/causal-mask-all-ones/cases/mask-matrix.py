from minigrad.ops.attention import causal_mask

mask = causal_mask(5)  # the mask MiniGPT.forward builds (it blocks where this is False)
print("causal_mask(5), True = may attend =\n", mask)
observed = {"keys each query may not see (T = 5)": (~mask).sum(axis=1)}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
