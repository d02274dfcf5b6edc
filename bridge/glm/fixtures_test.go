package glm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

type wantCall struct{ id, name, args string }

type wantChoice struct {
	content, reasoning string
	finish             FinishReason
	calls              []wantCall
	finishKind         ErrorKind // kind of Choice.Err(), KindUnknown when nil
	details            string    // reasoning_details as JSON, "" for none
}

type wantResponse struct {
	id, requestID, model string
	created              int64
	choices              []wantChoice
	usage                *Usage
}

// responseFixtures lists every recorded or documented answer in testdata with what the client
// must make of it.
var responseFixtures = []struct {
	name    string
	fixture string
	profile string
	want    wantResponse
}{
	{
		name: "aimlapi documented text answer", fixture: "response_aimlapi_glm47_text_docs_example.json", profile: "aimlapi",
		want: wantResponse{id: "20251224113151a94620120f9e4ebf", requestID: "20251224113151a94620120f9e4ebf", model: "glm-4.7", created: 1766547128,
			choices: []wantChoice{{content: "Hello! I'm GLM, a large language model trained by Z.ai. I'm designed to have helpful, respectful conversations and assist with various tasks.\n\nHow can I help you today? Whether you have questions, need information, or just want to chat, I'm here to assist.",
				reasoning: "Let me consider how to respond to this greeting thoughtfully.\n\nThe user has started with a simple \"Hello\" - this is likely the beginning of a conversation. I should respond in a way that's both welcoming and open-ended.\n\nFirst, I'll acknowledge their greeting warmly. Then I should introduce myself briefly to establish context. Since I'm GLM, an AI assistant, I should make that clear while also expressing my willingness to help.\n\nI should also consider what information might be useful to share at this point. My capabilities include answering questions, providing information, and assisting with various tasks. It would be helpful to mention some examples of what I can do.\n\nThe tone should be friendly and professional, inviting further interaction. I want to make the user feel comfortable asking questions or requesting assistance.\n\nLet me craft a response that's welcoming, informative, and encourages further conversation. I'll keep it concise but include enough detail to be helpful.",
				finish:    FinishStop}},
			usage: &Usage{PromptTokens: 6, CompletionTokens: 247, TotalTokens: 253, CachedTokens: 2}},
	},
	{
		name: "real coding endpoint tool call without object field", fixture: "response_glm45flash_coding_tool_call_no_object_field.json", profile: "zai-coding",
		want: wantResponse{id: "20251103013316084819c596e44ddd", requestID: "20251103013316084819c596e44ddd", model: "glm-4.5-flash", created: 1762104801,
			choices: []wantChoice{{content: "\nI'll get the current weather information for Paris, France for you.\n",
				reasoning: "\nThe user is asking for the weather in Paris, France. I have a get_weather function available that takes a location parameter and an optional unit parameter. The location is clearly specified as \"Paris, France\". The unit parameter is optional, so I don't need to ask about it or make up a value - I can just use the required parameter.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_-8199736708117297792", "get_weather", `{"location": "Paris, France"}`}}}},
			usage: &Usage{PromptTokens: 276, CompletionTokens: 104, TotalTokens: 380, CachedTokens: 275}},
	},
	{
		name: "real final text", fixture: "response_glm47flash_nonstream_final_text.json", profile: "zai-coding",
		want: wantResponse{id: "20260313050437098d451573e045e7", requestID: "20260313050437098d451573e045e7", model: "glm-4.7-flash", created: 1773349487,
			choices: []wantChoice{{content: "I've added and multiplied the numbers 2 and 3:\n\n**Addition:** 2 + 3 = 5  \n**Multiplication:** 2 × 3 = 6",
				reasoning: "Perfect! I got the results:\n- Addition: 2 + 3 = 5\n- Multiplication: 2 × 3 = 6\n\nBoth functions were called simultaneously as requested.",
				finish:    FinishStop}},
			usage: &Usage{PromptTokens: 418, CompletionTokens: 80, TotalTokens: 498, CachedTokens: 279, ReasoningTokens: 40}},
	},
	{
		name: "real parallel tool calls", fixture: "response_glm47flash_nonstream_parallel_tool_calls.json", profile: "zai-coding",
		want: wantResponse{id: "20260313050319b142e8fbd458451b", requestID: "20260313050319b142e8fbd458451b", model: "glm-4.7-flash", created: 1773349477,
			choices: []wantChoice{{content: "I'll add and multiply 2 and 3 at the same time as requested.",
				reasoning: "The user is asking me to add and multiply the numbers 2 and 3. They specifically said \"ALWAYS use both add and multiply at the same time\", so I should call both functions at the same time.\n\nI need to:\n1. Call add with a=2 and b=3\n2. Call multiply with a=2 and b=3\n3. Both calls should be made simultaneously",
				finish:    FinishToolCalls,
				calls: []wantCall{{"call_-7807255211226955507", "add", `{"a":2,"b":3}`},
					{"call_-7807255211226955506", "multiply", `{"a":2,"b":3}`}}}},
			usage: &Usage{PromptTokens: 279, CompletionTokens: 131, TotalTokens: 410, CachedTokens: 43, ReasoningTokens: 82}},
	},
	{
		name: "documented stream", fixture: "stream_docs_zai_example.sse", profile: "zai",
		want: wantResponse{id: "1", requestID: "log-v4/chat/completions", model: "glm-5", created: 1677652288,
			choices: []wantChoice{{content: "Spring comes with", finish: FinishStop}},
			usage:   &Usage{PromptTokens: 8, CompletionTokens: 262, TotalTokens: 270}},
	},
	{
		name: "real reasoning stream without object field", fixture: "stream_glm45flash_coding_reasoning_no_object_field.sse", profile: "zai-coding",
		want: wantResponse{id: "20251103013401d68e3db170b84275", requestID: "log-v4/chat/completions", model: "glm-4.5-flash", created: 1762104841,
			choices: []wantChoice{{content: "45", reasoning: "\nI", finish: FinishStop}},
			usage:   &Usage{PromptTokens: 35, CompletionTokens: 284, TotalTokens: 319, CachedTokens: 34}},
	},
	{
		name: "real parallel tool calls streamed, final chunk once", fixture: "stream_glm47flash_parallel_tool_calls.sse", profile: "zai-coding",
		want: wantResponse{id: "20260313050448e162ecc8207a4c47", requestID: "log-v4/chat/completions", model: "glm-4.7-flash", created: 1773349488,
			choices: []wantChoice{{content: "I'll both add and multiply the numbers 2 and 3 for you.",
				reasoning: "The user wants me to both add and multiply the numbers 2 and 3. I need to use both the add and multiply functions on the same time, as instructed.\n\nFor add: a=2, b=3\nFor multiply: a=2, b=3\n\nI'll call both functions together.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_4f8cb52342424eb9bbc1b20e", "add", "{\"a\":2,\"b\":3}"}, {"call_0d06add371834452b339ffdb", "multiply", "{\"a\":2,\"b\":3}"}}}},
			usage: &Usage{PromptTokens: 275, CompletionTokens: 112, TotalTokens: 387, CachedTokens: 43, ReasoningTokens: 64}},
	},
	{
		name: "real text stream with reasoning", fixture: "stream_glm47flash_text_with_reasoning.sse", profile: "zai-coding",
		want: wantResponse{id: "202603130503092f107b6666004386", requestID: "log-v4/chat/completions", model: "glm-4.7-flash", created: 1773349389,
			choices: []wantChoice{{content: "The current temperature in.", reasoning: "The weather function returned.", finish: FinishStop}},
			usage:   &Usage{PromptTokens: 272, CompletionTokens: 156, TotalTokens: 428, CachedTokens: 43, ReasoningTokens: 90}},
	},
	{
		name: "real tool call whole in one chunk", fixture: "stream_glm47flash_tool_call_no_tool_stream.sse", profile: "zai-coding",
		want: wantResponse{id: "20260313050307df155ecf3e9f4961", requestID: "log-v4/chat/completions", model: "glm-4.7-flash", created: 1773349387,
			choices: []wantChoice{{content: "I'll get the current weather information for Florence, Italy for you.",
				reasoning: "The user is asking for the weather in Florence, Italy. I have access to a weather function that can get weather information for a location. The function requires a \"location\" parameter, which should be a city. The user has specified \"Florence,Italy\" as the location, so I should use that exact value.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_3532c842716b4c72a7dd7498", "weather", "{\"location\":\"Florence,Italy\"}"}}}},
			usage: &Usage{PromptTokens: 173, CompletionTokens: 93, TotalTokens: 266, CachedTokens: 172, ReasoningTokens: 65}},
	},
	{
		name: "tool_stream fragments", fixture: "stream_INFERRED_tool_stream_true_fragments.sse", profile: "zai",
		want: wantResponse{id: "20260101000000abcdef0123456789", requestID: "log-v4/chat/completions", model: "glm-4.7", created: 1767225600,
			choices: []wantChoice{{reasoning: "Need weather for Beijing.", finish: FinishToolCalls,
				calls: []wantCall{{"call_0123456789abcdef01234567", "get_weather", `{"city":"Beijing"}`}}}},
			usage: &Usage{PromptTokens: 180, CompletionTokens: 40, TotalTokens: 220, ReasoningTokens: 12}},
	},
	{
		name: "finish network_error", fixture: "stream_SYNTHETIC_finish_network_error.sse", profile: "zai",
		want: wantResponse{id: "err-1", requestID: "log-v4/chat/completions", model: "glm-4-flash", created: 1702657020,
			choices: []wantChoice{{finish: FinishNetworkError, finishKind: KindServer}}},
	},
	{
		name: "finish sensitive", fixture: "stream_SYNTHETIC_finish_sensitive.sse", profile: "zai",
		want: wantResponse{id: "sens-1", requestID: "log-v4/chat/completions", model: "glm-4-flash", created: 1702657020,
			choices: []wantChoice{{content: "I cannot", finish: FinishSensitive, finishKind: KindContentFilter}},
			usage:   &Usage{PromptTokens: 10, CompletionTokens: 2, TotalTokens: 12}},
	},
	{
		name: "real glm-4.5 finish_reason on each tool-call chunk", fixture: "stream_glm45_coding_finish_reason_on_tool_chunks.sse", profile: "zai-coding",
		want: wantResponse{id: "20250926190620c633be90e4bb4b9f", requestID: "log-v4/chat/completions", model: "glm-4.5", created: 1758884780,
			choices: []wantChoice{{content: "\n\nI'll add and multiply the numbers 2 and 3 for you.\n",
				reasoning: "The user wants me to add and multiply the numbers 2 and 3. I have two functions available: add and multiply. Both require two parameters (a and b) which are integers. The user has provided the numbers 2 and 3.\n\nI need to call both functions with the same parameters:\n- add(a=2, b=3)\n- multiply(a=2, b=3)\n\nThe user specifically asked me to use both functions, and my instructions say to always use both add and multiply at the same time, so this is exactly what I should do.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_2dbb7568bf254f7cb91b4a09", "add", "{\"a\": 2, \"b\": 3}"}, {"call_88cb0be022f94339af640b13", "multiply", "{\"a\": 2, \"b\": 3}"}}}},
			usage: &Usage{PromptTokens: 282, CompletionTokens: 178, TotalTokens: 460, CachedTokens: 43, ReasoningTokens: 0}},
	},
	{
		name: "real glm-4.5-flash tool call at index -1", fixture: "stream_glm45flash_tool_index_minus1.sse", profile: "zai-coding",
		want: wantResponse{id: "20251103013329584f350fb5b740fd", requestID: "log-v4/chat/completions", model: "glm-4.5-flash", created: 1762104809,
			choices: []wantChoice{{content: "\nI'll generate a software engineer profile for you using the structured output function.\n",
				reasoning: "\nThe user is asking me to generate a software engineer profile. Looking at the available function, I have a \"structured_output\" function that can generate structured output with the following schema:\n- name (required): Person's full name\n- age (required): Person's age in years (minimum 1)\n- occupation (optional): Person's job or profession\n\nSince the user wants a software engineer profile, I should use this function to generate a profile for a software engineer. I need to provide a name and age (required), and I can optionally provide the occupation as \"Software Engineer\".\n\nLet me create a reasonable profile:\n- Name: I'll use a common name like \"Alex Johnson\"\n- Age: I'll use a reasonable age for a software engineer, like 28\n- Occupation: \"Software Engineer\"",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_2cVvMTo9RGy87YJlhDpUew", "structured_output", "{\"name\": \"Alex Johnson\", \"age\": 28, \"occupation\": \"Software Engineer\"}"}}}},
			usage: &Usage{PromptTokens: 219, CompletionTokens: 215, TotalTokens: 434, CachedTokens: 43, ReasoningTokens: 0}},
	},
	{
		name: "real named tool_choice answer", fixture: "stream_glm47flash_named_tool_choice.sse", profile: "zai-coding",
		want: wantResponse{id: "20260313050503dd971f38137544a8", requestID: "log-v4/chat/completions", model: "glm-4.7-flash", created: 1773349503,
			choices: []wantChoice{{content: "",
				reasoning: "The user wants me to generate information about a person named Alice who is 30 years old and lives in Paris. I have a Person function available that takes three required parameters: name, age, and city. The user has provided all this information:\n\n- name: Alice\n- age: 30\n- city: Paris\n\nI should use the Person function to create this person information.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_010379f2abac48dfaf05ba93", "Person", "{\"age\":30,\"city\":\"Paris\",\"name\":\"Alice\"}"}}}},
			usage: &Usage{PromptTokens: 225, CompletionTokens: 101, TotalTokens: 326, CachedTokens: 224, ReasoningTokens: 78}},
	},
	{
		name: "real OpenRouter usage-only chunk with empty choices", fixture: "stream_openrouter_glm45_usage_only_chunk.sse", profile: "openai-compatible",
		want: wantResponse{id: "gen-1773324058-dZa5em6CCB29zznhaofI", requestID: "log-v4/chat/completions", model: "z-ai/glm-4.5", created: 1773324058,
			choices: []wantChoice{{content: "\nI'll add and multiply the numbers 2 and 3 for you.\n",
				reasoning: "The user is asking me to add and multiply the numbers 2 and 3. I need to use both the add function and the multiply function with the same inputs (2 and 3).\n\nFor the add function:\n- a = 2\n- b = 3\n\nFor the multiply function:\n- a = 2  \n- b = 3\n\nI'll call both functions with these parameters.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_6a11b6c05ee447799771c928", "add", "{\"a\":2,\"b\":3}"}, {"call_4431af3675844706982c27ec", "multiply", "{\"a\":2,\"b\":3}"}},
				details:   "[{\"type\": \"reasoning.text\", \"text\": \"The user is asking me to add and multiply the numbers 2 and 3. I need to use both the add function and the multiply function with the same inputs (2 and 3).\\n\\nFor the add function:\\n- a = 2\\n- b = 3\\n\\nFor the multiply function:\\n- a = 2  \\n- b = 3\\n\\nI'll call both functions with these parameters.\", \"format\": \"unknown\", \"index\": 0}]"}},
			usage: &Usage{PromptTokens: 280, CompletionTokens: 143, TotalTokens: 423, CachedTokens: 256, ReasoningTokens: 82}},
	},
	{
		name: "real OpenRouter reasoning field and comment lines", fixture: "stream_openrouter_glm_reasoning_field.sse", profile: "openai-compatible",
		want: wantResponse{id: "gen-1777319876-tCZKcbYZ4llsJFj1L8Ht", requestID: "log-v4/chat/completions", model: "z-ai/glm-5-turbo-20260315", created: 1777319876,
			choices: []wantChoice{{content: "",
				reasoning: "The user wants to know the weather in Florence, Italy. Let me call the weather function.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_9400b8b3405c4d74b5b97e12", "weather", "{\"location\":\"Florence, Italy\"}"}},
				details:   "[{\"type\": \"reasoning.text\", \"text\": \"The user wants to know the weather in Florence, Italy. Let me call the weather function.\", \"format\": \"unknown\", \"index\": 0}]"}},
			usage: &Usage{PromptTokens: 173, CompletionTokens: 33, TotalTokens: 206, CachedTokens: 128, ReasoningTokens: 19}},
	},
	{
		name: "real glm-4.6 message without content key", fixture: "response_glm46_tool_call_no_content_key.json", profile: "zai-coding",
		want: wantResponse{id: "2025102322594663828723f48b468f", requestID: "2025102322594663828723f48b468f", model: "glm-4.6", created: 1761231588,
			choices: []wantChoice{{content: "",
				reasoning: "The user is asking for weather information for Florence, Italy. I need to use the weather function to get this information. The required parameter is \"location\" and the user has specified \"Florence,Italy\". I should use exactly this location as provided.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_-8223349338831929811", "weather", "{\"location\":\"Florence,Italy\"}"}}}},
			usage: &Usage{PromptTokens: 179, CompletionTokens: 84, TotalTokens: 263, CachedTokens: 43, ReasoningTokens: 0}},
	},
	{
		name: "real answer to reasoning_effort high", fixture: "response_glm47flash_reasoning_effort.json", profile: "zai-coding",
		want: wantResponse{id: "20260313050528067228b617b540a4", requestID: "20260313050528067228b617b540a4", model: "glm-4.7-flash", created: 1773349530,
			choices: []wantChoice{{content: "I'll get the current weather information for Florence, Italy for you.",
				reasoning: "The user is asking for the weather in Florence, Italy. I have access to a weather function that can get weather information for a location. The function requires a \"location\" parameter, and the user has specified \"Florence, Italy\". I should use this exact location string to get the weather information.",
				finish:    FinishToolCalls,
				calls:     []wantCall{{"call_-7807252050131023498", "weather", "{\"location\":\"Florence, Italy\"}"}}}},
			usage: &Usage{PromptTokens: 173, CompletionTokens: 89, TotalTokens: 262, CachedTokens: 169, ReasoningTokens: 61}},
	},
	{
		name: "real OpenRouter body after whitespace, reasoning field", fixture: "response_openrouter_glm_whitespace_prefix.json", profile: "openai-compatible",
		want: wantResponse{id: "gen-1777319862-YII5e53BQENRdSq34H49", requestID: "log-v4/chat/completions", model: "z-ai/glm-5-turbo-20260315", created: 1777319862,
			choices: []wantChoice{{content: "Olá!",
				reasoning: "1.  **Identify the core request:** The user wants me to say \"hi\" in Portuguese.\n2.  **Determine the correct translation:** \"Hi\" translates to \"Olá\" in Portuguese. Other common informal variants include \"Oi\" or \"E aí\" (depending on the region, like Brazil vs. Portugal), but \"Olá\" is the most universal and standard.\n3.  **Formulate the response:** Just give the direct translation, maybe with a slight friendly context, but keep it simple and direct as requested. \"Olá!\" is perfect.",
				finish:    FinishStop,
				calls:     []wantCall{},
				details:   "[{\"type\": \"reasoning.text\", \"text\": \"1.  **Identify the core request:** The user wants me to say \\\"hi\\\" in Portuguese.\\n2.  **Determine the correct translation:** \\\"Hi\\\" translates to \\\"Olá\\\" in Portuguese. Other common informal variants include \\\"Oi\\\" or \\\"E aí\\\" (depending on the region, like Brazil vs. Portugal), but \\\"Olá\\\" is the most universal and standard.\\n3.  **Formulate the response:** Just give the direct translation, maybe with a slight friendly context, but keep it simple and direct as requested. \\\"Olá!\\\" is perfect.\", \"format\": \"unknown\", \"index\": 0}]"}},
			usage: &Usage{PromptTokens: 15, CompletionTokens: 125, TotalTokens: 140, CachedTokens: 0, ReasoningTokens: 120}},
	},
}

func TestClient_Complete_responseFixtures(t *testing.T) {
	for _, tt := range responseFixtures {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, fixtureReply(t, tt.fixture, 200))
			c := newTestClient(t, f, tt.profile, nil)
			var log eventLog
			resp, err := c.Complete(context.Background(), userRequest(strings.HasSuffix(tt.fixture, ".sse")), log.add)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			checkResponse(t, resp, tt.want, &log)
			if resp.LogID != "log-v4/chat/completions" {
				t.Errorf("LogID = %q, want the x-log-id header", resp.LogID)
			}
			if resp.Exchange.Status != 200 || resp.Exchange.Attempts != 1 || len(resp.Exchange.ResponseBody) == 0 {
				t.Errorf("Exchange = status %d attempts %d body %d bytes", resp.Exchange.Status, resp.Exchange.Attempts, len(resp.Exchange.ResponseBody))
			}
			// The recorded body decodes to the same answer, so a stored stream replays like a response.
			again, apiErr, err := decodeResponse(resp.Exchange.ResponseBody)
			if err != nil || apiErr != nil {
				t.Fatalf("recorded body: %v %v", err, apiErr)
			}
			again.LogID = resp.LogID
			if again.RequestID == "" { // a raw body without request_id: the client uses x-log-id
				again.RequestID = again.LogID
			}
			checkResponse(t, again, tt.want, &log)
		})
	}
}

func checkResponse(t *testing.T, resp *Response, want wantResponse, log *eventLog) {
	t.Helper()
	if resp.ID != want.id || resp.RequestID != want.requestID || resp.Model != want.model || resp.Created != want.created {
		t.Errorf("ids = %q %q %q %d, want %q %q %q %d", resp.ID, resp.RequestID, resp.Model, resp.Created,
			want.id, want.requestID, want.model, want.created)
	}
	if len(resp.Choices) != len(want.choices) {
		t.Fatalf("%d choices, want %d", len(resp.Choices), len(want.choices))
	}
	for i, wc := range want.choices {
		c := resp.Choices[i]
		m := c.Message
		if m.Role != RoleAssistant || m.Content != wc.content || m.ReasoningContent != wc.reasoning || c.FinishReason != wc.finish {
			t.Errorf("choice %d = role %q content %q reasoning %q finish %q, want content %q reasoning %q finish %q",
				i, m.Role, m.Content, m.ReasoningContent, c.FinishReason, wc.content, wc.reasoning, wc.finish)
		}
		if got := log.text(c.Index, EventContentDelta); got != wc.content {
			t.Errorf("content events = %q, want %q", got, wc.content)
		}
		if got := log.text(c.Index, EventReasoningDelta); got != wc.reasoning {
			t.Errorf("reasoning events = %q, want %q", got, wc.reasoning)
		}
		if len(m.ToolCalls) != len(wc.calls) {
			t.Fatalf("choice %d: %d tool calls, want %d", i, len(m.ToolCalls), len(wc.calls))
		}
		for j, w := range wc.calls {
			tc := m.ToolCalls[j]
			if tc.ID != w.id || tc.Function.Name != w.name || tc.Function.Arguments != w.args || tc.Type != "function" || tc.Index != j {
				t.Errorf("call %d = %+v, want %+v", j, tc, w)
			}
			if got := log.args(c.Index, tc.Index); got != w.args {
				t.Errorf("call %d argument events = %q, want %q", j, got, w.args)
			}
		}
		if (wc.details == "") != (len(m.ReasoningDetails) == 0) ||
			wc.details != "" && !jsonEqual(t, m.ReasoningDetails, []byte(wc.details)) {
			t.Errorf("choice %d reasoning_details = %s, want %s", i, m.ReasoningDetails, wc.details)
		}
		var fe *FinishError
		if err := c.Err(); wc.finishKind == KindUnknown {
			if err != nil {
				t.Errorf("Choice.Err() = %v, want nil", err)
			}
		} else if !errors.As(err, &fe) || fe.Kind() != wc.finishKind || !strings.Contains(err.Error(), string(wc.finish)) {
			t.Errorf("Choice.Err() = %v, want a FinishError of kind %v", err, wc.finishKind)
		}
	}
	if (resp.Usage == nil) != (want.usage == nil) || resp.Usage != nil && *resp.Usage != *want.usage {
		t.Errorf("usage = %+v, want %+v", resp.Usage, want.usage)
	}
	wantUsageEvents := 0
	if want.usage != nil {
		wantUsageEvents = 1
	}
	if n := log.count(EventUsage); n != wantUsageEvents {
		t.Errorf("%d usage events, want %d (usage counted once)", n, wantUsageEvents)
	}
}

// errorFixtures lists every error answer in testdata with its HTTP status and classification.
var errorFixtures = []struct {
	name      string
	fixture   string
	status    int
	profile   string
	code      string
	message   string
	requestID string
	kind      ErrorKind
	retryable bool
	hint      string
}{
	{"1210 invalid parameter", "error_400_1210_invalid_api_parameter_reported.json", 400, "zai", "1210",
		"Invalid API parameter, please check the documentation.", "log-v4/chat/completions", KindInvalidRequest, false, ""},
	{"1214 documented", "error_400_1214_docs_example.json", 400, "zai", "1214",
		"Parameter `${field}` is invalid. Please check the documentation.", "log-v4/chat/completions", KindInvalidRequest, false, ""},
	{"1214 messages illegal", "error_400_1214_messages_illegal_reported.json", 400, "zai", "1214",
		"The messages parameter is illegal. Please check the documentation.", "log-v4/chat/completions", KindInvalidRequest, false, ""},
	{"1261 prompt too long", "error_400_1261_COMPOSED_from_docs_table.json", 400, "zai", "1261",
		"Prompt too long", "log-v4/chat/completions", KindContextTooLong, false, "shorten"},
	{"1301 unsafe content", "error_400_1301_COMPOSED_from_docs_table.json", 400, "zai", "1301",
		"System detected potentially unsafe or sensitive content in input or generation. Please avoid using prompts that may generate sensitive content. Thank you for your cooperation.",
		"log-v4/chat/completions", KindContentFilter, false, ""},
	{"integer code from a gateway", "error_400_tool_choice_not_auto_via_openrouter_reported.json", 400, "openai-compatible", "",
		"Tool choice must be auto", "log-v4/chat/completions", KindInvalidRequest, false, ""},
	{"401 names the key variable", "error_401_1001_docs_example.json", 401, "zai", "1001",
		"Authentication parameter not received in Header, unable to authenticate", "log-v4/chat/completions", KindAuth, false, "ZAI_API_KEY"},
	{"1113 balance exhausted", "error_429_1113_COMPOSED_from_docs_table.json", 429, "zai", "1113",
		"Insufficient balance or no resource package. Please recharge.", "log-v4/chat/completions", KindQuota, false, "retrying will not help"},
	{"1302 rate limit", "error_429_1302_COMPOSED_from_docs_table.json", 429, "zai", "1302",
		"Rate limit reached for requests", "log-v4/chat/completions", KindRateLimit, true, ""},
	{"aggregator flat body", "error_429_aimlapi_docs_shape.json", 429, "aimlapi", "",
		"Free-tier limit: You've reached your free limit for the hour. Get AI/ML Subscription to use API, visit https://aimlapi.com/app/billing/ !",
		"798b860e-98c2-4e8e-8c50-550bcfc2eccc", KindQuota, false, ""},
	{"HTML from a proxy", "error_502_SYNTHETIC_html_proxy.html", 502, "zai", "",
		"non-JSON response: 502 Bad Gateway", "log-v4/chat/completions", KindServer, true, ""},
}

func TestClient_Complete_errorFixtures(t *testing.T) {
	for _, tt := range errorFixtures {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, fixtureReply(t, tt.fixture, tt.status))
			c := newTestClient(t, f, tt.profile, func(cfg *Config) { cfg.MaxAttempts = 1 })
			resp, err := c.Complete(context.Background(), userRequest(false), nil)
			var api *APIError
			if resp != nil || !errors.As(err, &api) {
				t.Fatalf("Complete = %v, %v; want an *APIError", resp, err)
			}
			if api.Status != tt.status || api.Code != tt.code || api.Message != tt.message || api.RequestID != tt.requestID ||
				api.Kind != tt.kind || api.Retryable != tt.retryable {
				t.Errorf("APIError = %+v\nwant status %d code %q message %q request %q kind %v retryable %v",
					*api, tt.status, tt.code, tt.message, tt.requestID, tt.kind, tt.retryable)
			}
			if !strings.Contains(api.Error(), tt.hint) || !strings.Contains(api.Error(), tt.message) {
				t.Errorf("Error() = %q, want it to contain %q and the message", api.Error(), tt.hint)
			}
			if strings.Contains(api.Error(), testKey) {
				t.Errorf("Error() leaks the key")
			}
		})
	}
}

func TestClient_Complete_midstreamErrorFixture(t *testing.T) {
	f := newFakeAPI(t, fixtureReply(t, "stream_INFERRED_midstream_error_1302.sse", 200))
	c := newTestClient(t, f, "zai", nil)
	var log eventLog
	resp, err := c.Complete(context.Background(), userRequest(true), log.add)
	var se *StreamError
	var api *APIError
	if !errors.As(err, &se) || !errors.As(err, &api) {
		t.Fatalf("err = %v, want a StreamError wrapping an APIError", err)
	}
	if api.Code != "1302" || api.Kind != KindRateLimit || api.Status != 200 {
		t.Errorf("APIError = %+v", *api)
	}
	if se.Partial == nil || se.Partial != resp || resp.Message().ReasoningContent != "Let" || log.text(0, EventReasoningDelta) != "Let" {
		t.Errorf("partial = %+v, want the reasoning received", resp)
	}
	if f.hits() != 1 {
		t.Errorf("%d requests: output had been streamed, so no retry", f.hits())
	}
	if !strings.Contains(err.Error(), "partial output") {
		t.Errorf("Error() = %q, want it to say partial output was received", err)
	}
}

// TestFixtures_allReplayed keeps the tables honest: every fixture the manifest lists is used
// by one of the replay or golden tests.
func TestFixtures_allReplayed(t *testing.T) {
	var manifest map[string]json.RawMessage
	if err := json.Unmarshal(readFixture(t, "manifest.json"), &manifest); err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, r := range responseFixtures {
		used = append(used, r.fixture)
	}
	for _, e := range errorFixtures {
		used = append(used, e.fixture)
	}
	for _, g := range goldenRequests {
		used = append(used, g.fixture)
	}
	used = append(used, "stream_INFERRED_midstream_error_1302.sse")
	used = append(used, recordedFixtures...)
	for name := range manifest {
		if !slices.Contains(used, name) {
			t.Errorf("fixture %s is not replayed by any test", name)
		}
	}
}
