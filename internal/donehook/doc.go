// Package donehook lets a channel that is closed when something ends tell
// functions of it directly, so that waiting for many of them takes no
// goroutine: rfn makes each served function's Done channel with New, and
// rtc.AllDone counts them down with After.
package donehook
