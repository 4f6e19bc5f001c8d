// Command quickstart is the quick start of the README, verbatim: a server
// that counts into a channel its client sent it, over a real WebSocket on
// loopback. A test checks that the README's code block is this package's
// main.go (imports left out), so the two never part.
package main
