package linkemu

import (
	"fmt"
	"time"
)

// Profile describes one direction of a link: a bottleneck that holds Buffer
// bytes and sends them on at Bandwidth, followed by a wire that takes Delay
// to cross. The zero Profile is an unshaped link, like [LAN].
type Profile struct {
	// Name labels the profile in test and benchmark names.
	Name string

	// Bandwidth is the bottleneck's rate in bits per second; 0 means
	// unlimited.
	Bandwidth int64

	// Delay is the one-way propagation delay.
	Delay time.Duration

	// Buffer is how many bytes the bottleneck queue holds. A writer blocks
	// while it is full: a reliable byte stream cannot drop, so a router's
	// drop-tail becomes backpressure. 0 means 2 MiB.
	Buffer int
}

// LAN is loopback as is: no bandwidth limit and no delay. [Wrap] returns the
// connection unchanged.
var LAN = Profile{Name: "lan"}

// FourG is a 4G uplink: a 10 Mbit/s bottleneck with a 2 MiB buffer and 25 ms
// one-way delay. A full buffer alone takes 1.7 s to drain.
var FourG = Profile{Name: "4g", Bandwidth: 10_000_000, Delay: 25 * time.Millisecond, Buffer: 2 << 20}

const (
	// defaultBuffer is the bottleneck buffer when Profile.Buffer is 0.
	defaultBuffer = 2 << 20

	// recvBuffer is how many bytes beyond one bandwidth-delay product may
	// be past the bottleneck, in flight or arrived and not yet read: the
	// receiver's socket buffer.
	recvBuffer = 256 << 10

	// minSlice is the least the bottleneck releases at once, an Ethernet
	// MTU; at high rates a slice is one sliceTime of link time instead.
	minSlice  = 1500
	sliceTime = time.Millisecond

	// pumpSlack is how far ahead of its schedule the pump may run rather
	// than sleep: a timer wakes up later than that anyway.
	pumpSlack = 100 * time.Microsecond

	// maxSlice is the slice of an unlimited link.
	maxSlice = 64 << 10

	// unlimitedRate stands for an unlimited Bandwidth when sizing the
	// bytes in flight over a Delay: 1 Gbit/s.
	unlimitedRate = 1_000_000_000
)

// shaped reports whether p changes anything at all.
func (p Profile) shaped() bool { return p.Bandwidth != 0 || p.Delay != 0 }

// check panics if p has a negative field.
func (p Profile) check(fn string) {
	if p.Bandwidth < 0 || p.Delay < 0 || p.Buffer < 0 {
		panic(fmt.Sprintf("linkemu: %s: negative field in profile %+v", fn, p))
	}
}

// buffer is the bottleneck's capacity in bytes.
func (p Profile) buffer() int {
	if p.Buffer == 0 {
		return defaultBuffer
	}
	return p.Buffer
}

// slice is the most bytes the bottleneck releases at once.
func (p Profile) slice() int {
	if p.Bandwidth == 0 {
		return maxSlice
	}
	return max(minSlice, int(p.Bandwidth/8*int64(sliceTime)/int64(time.Second)))
}

// window is the most bytes that may be past the bottleneck and not yet
// read: what the wire holds over one Delay, plus recvBuffer.
func (p Profile) window() int {
	rate := p.Bandwidth
	if rate == 0 {
		rate = unlimitedRate
	}
	return int(rate/8*int64(p.Delay)/int64(time.Second)) + recvBuffer
}

// txTime is how long n bytes take to pass the bottleneck.
func (p Profile) txTime(n int) time.Duration {
	if p.Bandwidth == 0 {
		return 0
	}
	return time.Duration(int64(n) * 8 * int64(time.Second) / p.Bandwidth)
}
