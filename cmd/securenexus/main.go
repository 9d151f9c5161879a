// Command securenexus is the SecureNexus security operations platform: one
// binary that serves the API and web UI, runs migrations and background
// jobs, loads demo data and benchmarks itself.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "securenexus:", err)
		os.Exit(1)
	}
}
