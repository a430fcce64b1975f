/** Starting points on an empty conversation: each one exercises a different part of the analysis. */
export const EXAMPLE_PROMPTS: { label: string; text: string }[] = [
  { label: 'Cut cost at the same quality', text: 'How can I cut my LLM cost over the last 30 days without lowering quality?' },
  { label: 'Latency targets', text: 'Which of my workloads miss a p95 latency target of 2 s, and how do I get them under it?' },
  { label: 'What if traffic grows', text: 'What if traffic grows 50% next quarter? Show the cost and the headroom I would need.' },
  { label: 'Compare models', text: 'Compare the models I use on cost, latency and quality, and say which one to switch to.' },
  { label: 'Cache audit', text: 'How much of my usage is repeated prompts, and what would caching them save?' },
];
