package mux

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// yamuxLogger passes yamux's log lines to a slog.Logger. yamux writes lines
// such as "[ERR] yamux: Failed to write header: ..."; the bracketed tag
// becomes the level.
type yamuxLogger struct{ l *slog.Logger }

func (y yamuxLogger) Print(v ...any)                 { y.log(fmt.Sprint(v...)) }
func (y yamuxLogger) Println(v ...any)               { y.log(fmt.Sprintln(v...)) }
func (y yamuxLogger) Printf(format string, v ...any) { y.log(fmt.Sprintf(format, v...)) }

func (y yamuxLogger) log(line string) {
	level, msg := parseYamuxLine(line)
	y.l.Log(context.Background(), level, msg)
}

// parseYamuxLine splits a yamux log line into its level and message.
func parseYamuxLine(line string) (slog.Level, string) {
	line = strings.TrimSpace(line)
	for _, t := range []struct {
		tag   string
		level slog.Level
	}{
		{"[ERR]", slog.LevelError},
		{"[WARN]", slog.LevelWarn},
		{"[INFO]", slog.LevelInfo},
		{"[DEBUG]", slog.LevelDebug},
	} {
		if rest, ok := strings.CutPrefix(line, t.tag); ok {
			return t.level, strings.TrimSpace(rest)
		}
	}
	return slog.LevelInfo, line
}
