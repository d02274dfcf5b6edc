// Package glmtest is a scriptable fake of the GLM-4.7 chat-completions endpoint, for end-to-end
// tests of the tool loop (glm-mcp ask) and of anything else built on package glm. It speaks the
// wire format of GLM-API.md, checked against the recorded real traffic: a non-streaming answer
// is one JSON body with request_id and nested usage details; a streamed answer is "data:" lines
// with reasoning deltas before content deltas, each tool call whole in one chunk (or in
// argument fragments when the request has tool_stream: true), a final chunk carrying
// finish_reason and usage, then "data: [DONE]". Every answer has an x-log-id header equal to
// its request_id, and errors have the provider's {"error":{"code":"1302","message":…}} body and
// HTTP status.
//
// A test scripts the model's answers as Turns, consumed one per request in order, and points
// the code under test at Server.URL (the base URL, to pass as --base-url or Config.BaseURL):
//
//	srv := glmtest.New(t,
//		glmtest.Turn{Reasoning: "Need the file.", Content: "Reading it.",
//			ToolCalls: []glmtest.Call{{Name: "read_file", Arguments: `{"path":"a.txt"}`}}},
//		glmtest.Turn{Respond: func(req glm.Request) glmtest.Turn {
//			return glmtest.Turn{Content: "It says: " + glmtest.ToolResults(req)["call_1"]}
//		}},
//	)
//	runAsk(t, "--base-url", srv.URL, "what is in a.txt?") // the test's own way to run the command
//	reqs := srv.Requests() // every request, decoded into glm.Request, with its raw body and headers
//
// Requests answers whether a request streamed or not, which tools it offered and what it sent
// back (the assistant message echoed with its reasoning and tool-call ids, the tool results),
// and Header keeps Authorization so that a test can check that the key is sent here and
// nowhere else. SetDefault gives an answer for every request after the script (for example a
// model that calls a tool forever, to test a step limit); without one, a request past the end
// of the script is answered with HTTP 500 and fails the test. Turn.Delay, Turn.ChunkDelay and
// Turn.Hang make slow and stuck answers for cancellation and interrupt tests; Turn.Error
// answers with an API error, before the stream or inside it. Turn.RawSSE plays recorded bytes
// exactly as the network split them (Chunks reads a recorded list of reads).
//
// Like the real endpoint, the fake refuses some requests before they reach the "model", with
// HTTP 400 and without consuming a turn: a body that is not a chat-completions request (1210),
// one without messages (1214), a tool_choice without tools (1210), and a tool message whose
// tool_call_id no earlier assistant message issued (1214). With "thinking": {"type":
// "disabled"} in the request, scripted reasoning is left out of the answer.
//
// Servers listen on 127.0.0.1 and are closed when the test ends.
package glmtest
