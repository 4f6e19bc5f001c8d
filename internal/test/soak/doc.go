// Package soak holds a load test bounded in time: many connections × many
// channels × many messages over loopback WebSocket, mixed kinds and sizes,
// receivers closed at random. It has tests only; TELECHAN_SOAK=60s makes
// it run longer.
package soak
