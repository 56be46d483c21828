// How close AnthropicMessagesRequests.estimateInputTokens's 3.5 characters a token comes to a real Claude
// tokenizer on the texts it counts (framing and fixed overheads aside), on five conversations.
const {countTokens}=require('@anthropic-ai/tokenizer');
const fs=require('fs');
// Run from the repository root: npm install @anthropic-ai/tokenizer@0.0.4 && node kit/src/test/calibration/estimate-vs-tokenizer.js
const W=require('path').resolve(__dirname,'../../../..')+'/';
const rd=p=>fs.readFileSync(W+p,'utf8');
const cc=JSON.parse(rd('kit/src/test/resources/anthropic/claude-code-request.json'));
function pieces(req){ // the texts the estimator counts
  const out=[]; const sys=req.system; if(typeof sys==='string')out.push(sys); else if(sys) sys.forEach(b=>out.push(b.text));
  let lastA=-1; req.messages.forEach((m,i)=>{if(m.role==='assistant')lastA=i;});
  req.messages.forEach((m,i)=>{ if(typeof m.content==='string'){out.push(m.content);return;}
    m.content.forEach(b=>{ if(b.type==='text')out.push(b.text);
      else if(b.type==='tool_use'){out.push(b.name);out.push(JSON.stringify(b.input));}
      else if(b.type==='thinking'&&i===lastA)out.push(b.thinking);
      else if(b.type==='tool_result'){ if(typeof b.content==='string')out.push(b.content); else (b.content||[]).forEach(c=>c.type==='text'&&out.push(c.text)); }});});
  (req.tools||[]).forEach(t=>{out.push(t.name); if(t.description)out.push(t.description); out.push(JSON.stringify(t.input_schema));});
  return out;
}
const samples={
 'claude-code (fixture, 16 tools)':cc,
 'prose chat (README)':{system:'You are a helpful assistant.',messages:[{role:'user',content:'Summarise this:\n'+rd('README.md').slice(0,6000)},{role:'assistant',content:rd('README.md').slice(6000,8000)},{role:'user',content:'Thanks, and what about the configuration?'}]},
 'java tool results':{system:cc.system,messages:[{role:'user',content:'Review AnthropicMessagesRequests'},{role:'assistant',content:[{type:'tool_use',id:'t',name:'Read',input:{path:'/w/AnthropicMessagesRequests.java'}}]},{role:'user',content:[{type:'tool_result',tool_use_id:'t',content:rd('kit/src/main/java/dev/chatd/kit/anthropic/AnthropicMessagesRequests.java')}]}],tools:cc.tools},
 'markdown (README, later part)':{messages:[{role:'user',content:rd('README.md').slice(8000,22000)}]},
 'json tool output':{messages:[{role:'user',content:'list'},{role:'assistant',content:[{type:'thinking',thinking:'I will call the API and look at the JSON it returns, then summarise the fields.',signature:'s'},{type:'tool_use',id:'t',name:'http',input:{url:'https://x/api'}}]},{role:'user',content:[{type:'tool_result',tool_use_id:'t',content:rd('kit/src/test/resources/anthropic/claude-code-request.json')}]}]},
};
for(const [name,req] of Object.entries(samples)){
  const ps=pieces(req); const chars=ps.reduce((a,s)=>a+s.length,0); const toks=ps.reduce((a,s)=>a+countTokens(s),0);
  const est=Math.ceil(chars/3.5);
  console.log(`${name}: chars=${chars} tokenizer=${toks} chars/token=${(chars/toks).toFixed(2)} estimate=${est} error=${((est-toks)/toks*100).toFixed(1)}%`);
}
