package sqlite

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

type schemaArgs struct {
	Database string `json:"database"`
	Table    string `json:"table"`
}

func (tk *Toolkit) schemaTool() mcp.Tool {
	return mcp.NewTool("sqlite_schema",
		mcp.WithToolTitle("Describe a SQLite database"),
		mcp.WithDescription(`List the tables and views of a SQLite database with their columns (name, declared type, not null, primary key position, default), indexes, foreign keys and, when ANALYZE has been run, an estimated row count.

Call this before writing SQL for sqlite_query, to use the real table and column names. Pass table to describe a single table or view (names match case-insensitively); without it every table and view is listed, SQLite's internal sqlite_* tables excepted.

The text part is the CREATE statements as stored (like sqlite3's .schema). Its first line counts the tables; on a database too big for one result it says "truncated" and names the tables left out: describe those one at a time with table.`),
		tk.databaseProperty(),
		mcp.WithString("table", mcp.Description("describe only this table or view")),
		mcp.WithOutputSchema[SchemaResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Describe a SQLite database", true, false, true, false)),
	)
}

func (tk *Toolkit) handleSchema(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args schemaArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	c := call{tool: "sqlite_schema"}
	res, err := tk.schema(ctx, &c, args.Database, args.Table)
	if err != nil {
		return tk.fail(ctx, c, err)
	}
	tk.log.Debug().Str("tool", c.tool).Str("database", res.Database).Int("tables", len(res.Tables)).Msg("sqlite call")
	return toolkits.ResultWithText(res, renderSchema(res)), nil
}

// schema loads the description of one database on a read connection.
func (tk *Toolkit) schema(ctx context.Context, c *call, dbName, table string) (*SchemaResult, error) {
	db, err := tk.lookup(dbName)
	if err != nil {
		return nil, err
	}
	c.db = db
	if err := db.checkFile(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, tk.cfg.Timeout)
	defer cancel()
	var res *SchemaResult
	err = db.read(ctx, func(sc *sqlite3.SQLiteConn) error {
		c.g = newGuard(readPolicy)
		sc.RegisterAuthorizer(c.g.authorize)
		res, err = loadSchema(ctx, sc, db.name, table, tk.cfg.MaxSchemaBytes)
		return err
	})
	return res, err
}

// schemaURIPrefix and schemaURISuffix frame the resource URIs
// sqlite://{database}/schema.
const (
	schemaURIPrefix = "sqlite://"
	schemaURISuffix = "/schema"
)

// ResourceTemplates serves sqlite://{database}/schema: the schema of one
// database as text.
func (tk *Toolkit) ResourceTemplates() []toolkits.ResourceTemplate {
	def := mcp.NewResourceTemplate(schemaURIPrefix+"{database}"+schemaURISuffix, "sqlite-schema",
		mcp.WithTemplateTitle("SQLite database schema"),
		mcp.WithTemplateDescription("Tables, views, columns, indexes and foreign keys of a configured SQLite database, as text. Databases: "+strings.Join(tk.names, ", ")),
		mcp.WithTemplateMIMEType("text/plain"),
	)
	return []toolkits.ResourceTemplate{{Def: def, Handler: tk.readSchemaResource}}
}

func (tk *Toolkit) readSchemaResource(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	uri := req.Params.URI
	name, ok := strings.CutPrefix(uri, schemaURIPrefix)
	if ok {
		name, ok = strings.CutSuffix(name, schemaURISuffix)
	}
	if ok {
		name, _ = url.PathUnescape(name)
	}
	if !ok || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("resource %q is not of the form sqlite://{database}/schema", uri)
	}
	if _, known := tk.dbs[name]; !known {
		return nil, fmt.Errorf("no database named %q; configured databases: %s", name, strings.Join(tk.names, ", "))
	}
	c := call{tool: "sqlite_schema"}
	res, err := tk.schema(ctx, &c, name, "")
	if err != nil {
		failed, ferr := tk.fail(ctx, c, err)
		if ferr != nil {
			return nil, ferr
		}
		return nil, fmt.Errorf("read %s: %s", uri, resultText(failed))
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "text/plain", Text: renderSchema(res)}}, nil
}

// resultText returns the text of a result's first text block.
func resultText(r *mcp.CallToolResult) string {
	for _, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}
