// Command dynomite is a Dynomite-compatible replicating proxy for Redis and Memcached.
package main

func main() {}
