package sqlite

import "github.com/glm-mcp/glm-mcp/internal/memprobe"

// The attack tests' probes (see internal/memprobe).
var (
	measure      = memprobe.Measure
	checkBounds  = memprobe.CheckBounds
	bytesWritten = memprobe.BytesWritten
)
