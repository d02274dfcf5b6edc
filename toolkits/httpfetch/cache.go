package httpfetch

import (
	"sync"
	"time"
)

const (
	// pageCacheEntries bounds the pages kept for paging.
	pageCacheEntries = 16
	// pageCacheChars bounds the bytes of content kept across all pages.
	pageCacheChars = 64 << 20
)

// document is a fetched page, converted, as kept in the cache.
type document struct {
	URL           string
	FinalURL      string
	Status        int
	ContentType   string
	Content       string
	BodyTruncated bool
	// HTMLCut is the size of the HTML when it was cut before conversion,
	// else 0.
	HTMLCut int
}

type cacheEntry struct {
	doc     *document
	expires time.Time
	seq     uint64
}

// pageCache keeps recently fetched pages for a short time so that reading a
// page in several calls (start_index) fetches it once. It holds at most
// maxEntries pages and maxBytes of content; the oldest go first.
type pageCache struct {
	ttl        time.Duration
	maxEntries int
	maxBytes   int
	now        func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry
	bytes   int
	seq     uint64
}

func newPageCache(ttl time.Duration, maxEntries, maxBytes int) *pageCache {
	return &pageCache{ttl: ttl, maxEntries: maxEntries, maxBytes: maxBytes, now: time.Now, entries: map[string]cacheEntry{}}
}

// get returns the page stored under key if it has not expired.
func (c *pageCache) get(key string) (*document, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		c.removeLocked(key)
		return nil, false
	}
	return e.doc, true
}

// put stores doc under key, evicting the oldest pages to stay in bounds.
func (c *pageCache) put(key string, doc *document) {
	if c.ttl <= 0 || len(doc.Content) > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
	for len(c.entries) >= c.maxEntries || c.bytes+len(doc.Content) > c.maxBytes {
		if !c.evictOldestLocked() {
			break
		}
	}
	c.seq++
	c.entries[key] = cacheEntry{doc: doc, expires: c.now().Add(c.ttl), seq: c.seq}
	c.bytes += len(doc.Content)
}

func (c *pageCache) removeLocked(key string) {
	if e, ok := c.entries[key]; ok {
		c.bytes -= len(e.doc.Content)
		delete(c.entries, key)
	}
}

// evictOldestLocked removes the entry stored first; false if there is none.
func (c *pageCache) evictOldestLocked() bool {
	oldest, found := "", false
	var oldestSeq uint64
	for k, e := range c.entries {
		if !found || e.seq < oldestSeq {
			oldest, oldestSeq, found = k, e.seq, true
		}
	}
	if found {
		c.removeLocked(oldest)
	}
	return found
}
