// Command library shows the bridge used as a Go library: one question to
// GLM-4.7 with a custom tool, served by an in-process MCP server.
//
//	ZAI_API_KEY=... go run ./examples/library "roll two dice for me"
package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

func main() {
	if err := run(context.Background(), strings.Join(os.Args[1:], " ")); err != nil {
		fmt.Fprintln(os.Stderr, "library:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, question string) error {
	if question == "" {
		question = "Roll two six-sided dice and tell me the total."
	}
	// A custom tool, on an MCP server that lives in this process.
	s := server.NewMCPServer("dice", "1.0.0")
	readOnly := true
	s.AddTool(mcp.NewTool("roll_dice",
		mcp.WithDescription("Roll n dice with the given number of sides and return each result."),
		mcp.WithInteger("n", mcp.Required(), mcp.Min(1), mcp.Max(20)),
		mcp.WithInteger("sides", mcp.Required(), mcp.Min(2), mcp.Max(100)),
		mcp.WithToolAnnotation(mcp.ToolAnnotation{ReadOnlyHint: &readOnly}),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		n, sides := req.GetInt("n", 1), req.GetInt("sides", 6)
		rolls := make([]string, n)
		for i := range rolls {
			rolls[i] = fmt.Sprint(1 + rand.IntN(sides))
		}
		return mcp.NewToolResultText(strings.Join(rolls, ", ")), nil
	})
	c, err := client.NewInProcessClient(s)
	if err != nil {
		return err
	}
	dice, err := bridge.NewServer(ctx, "dice", c, true)
	if err != nil {
		return err
	}
	catalog, err := bridge.NewCatalog([]*bridge.Server{dice}, bridge.CatalogOptions{})
	if err != nil {
		return err
	}

	profile, err := glm.LookupProfile("zai")
	if err != nil {
		return err
	}
	model, err := glm.NewClient(glm.Config{Profile: profile, APIKey: os.Getenv(profile.KeyEnv)})
	if err != nil {
		return err
	}
	runner := &bridge.Runner{
		Model:    model,
		Catalog:  catalog,
		Template: glm.Request{Model: model.Model(), Stream: true},
		Observer: func(ev bridge.Event) {
			if ev.Kind == bridge.EventContent {
				fmt.Print(ev.Text)
			}
		},
	}
	res, err := runner.Run(ctx, []glm.Message{{Role: glm.RoleUser, Content: question}})
	fmt.Printf("\n(%d steps, %d tokens)\n", res.Steps, res.Usage.TotalTokens)
	return err
}
