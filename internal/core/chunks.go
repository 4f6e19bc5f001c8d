package core

import "sync"

// ChunkCap is the capacity of the pooled buffers that carry the bytes of
// bin channels: the largest piece a bin Writer queues, and the largest
// paced frame payload.
const ChunkCap = pacerMaxMSS

// chunkPool recycles bin chunks. A bulk transfer would otherwise allocate
// its whole volume twice (the writer's copy and the reader's frame), and
// the garbage collector that follows costs both throughput and the tail
// latency of every other stream on the connection.
var chunkPool = sync.Pool{New: func() any {
	b := make([]byte, ChunkCap)
	return &b
}}

// GetChunk returns a buffer of n bytes, from the pool when n <= ChunkCap.
// Its owner may give it back with PutChunk once nothing refers to it.
func GetChunk(n int) []byte {
	if n > ChunkCap {
		return make([]byte, n)
	}
	return (*chunkPool.Get().(*[]byte))[:n]
}

// PutChunk gives b, which no one may use any more, back to the pool. A
// buffer that did not come from GetChunk is left to the garbage collector.
func PutChunk(b []byte) {
	if cap(b) != ChunkCap {
		return
	}
	b = b[:ChunkCap]
	chunkPool.Put(&b)
}
