export default { id: 'service', title: 'service', heading: 'service', requires: ['nosuch'], render() {} };
