// fps-bench: the benchmark program that Benchmarks/run.sh drives.
print("fps-bench: not implemented yet")
